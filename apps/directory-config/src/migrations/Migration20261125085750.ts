import { Migration } from '@mikro-orm/migrations';

export class Migration20261125085750 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "directory_config"."directories" add column "next_run_at" timestamptz null;`);
    this.addSql(`create index "directories_next_run_at_index" on "directory_config"."directories" ("next_run_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "directory_config"."directories_next_run_at_index";`);
    this.addSql(`alter table "directory_config"."directories" drop column "next_run_at";`);
  }

}
