import { Migration } from '@mikro-orm/migrations';

export class Migration20261125114749 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "directory_config"."runs" add column "rerun_of" uuid null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "directory_config"."runs" drop column "rerun_of";`);
  }

}
