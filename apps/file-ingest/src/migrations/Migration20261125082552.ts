import { Migration } from '@mikro-orm/migrations';

export class Migration20261125082552 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "file_ingest"."processed_files" ("id" uuid not null, "tenant_id" uuid not null, "directory_id" uuid not null, "run_id" uuid not null, "kind" text not null, "file_name" text not null, "checksum" text null, "size" double precision not null, "outcome" text not null, "moved_to" text null, "created_at" timestamptz not null default now(), constraint "processed_files_pkey" primary key ("id"));`);
    this.addSql(`create index "processed_files_tenant_id_directory_id_size_index" on "file_ingest"."processed_files" ("tenant_id", "directory_id", "size");`);
    this.addSql(`create index "processed_files_tenant_id_directory_id_checksum_index" on "file_ingest"."processed_files" ("tenant_id", "directory_id", "checksum");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "file_ingest"."processed_files" cascade;`);
  }

}
