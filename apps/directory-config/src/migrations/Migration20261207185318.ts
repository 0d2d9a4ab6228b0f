import { Migration } from '@mikro-orm/migrations';

export class Migration20261207185318 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "runs_finished_at_index" on "directory_config"."runs" ("finished_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "directory_config"."runs_finished_at_index";`);
  }

}
