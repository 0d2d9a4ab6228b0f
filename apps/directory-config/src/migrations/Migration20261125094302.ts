import { Migration } from '@mikro-orm/migrations';

export class Migration20261125094302 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "directory_config"."runs" add column "pending_removals" jsonb null, add column "decision" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "directory_config"."runs" drop column "pending_removals", drop column "decision";`);
  }

}
