import { Migration } from '@mikro-orm/migrations';

export class Migration20261207034320 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "file_ingest"."processed_files" add column "head_checksum" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "file_ingest"."processed_files" drop column "head_checksum";`);
  }

}
