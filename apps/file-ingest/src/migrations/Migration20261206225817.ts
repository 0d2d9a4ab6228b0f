import { Migration } from '@mikro-orm/migrations';

export class Migration20261206225817 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "file_ingest"."file_ledger" add column "completion" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "file_ingest"."file_ledger" drop column "completion";`);
  }

}
