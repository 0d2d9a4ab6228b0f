import { Migration } from '@mikro-orm/migrations';

export class Migration20261206223310 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "file_ingest"."run_file_plans" ("run_id" uuid not null, "tenant_id" uuid not null, "directory_id" uuid not null, "stamp" text not null, "files" jsonb not null, "created_at" timestamptz not null default now(), constraint "run_file_plans_pkey" primary key ("run_id"));`);

    this.addSql(`alter table "file_ingest"."processed_files" add column "pending_move" boolean not null default false, add column "move_reason" text null;`);
    this.addSql(`create index "processed_files_tenant_id_directory_id_pending_move_index" on "file_ingest"."processed_files" ("tenant_id", "directory_id", "pending_move");`);
    this.addSql(`create index "processed_files_run_id_index" on "file_ingest"."processed_files" ("run_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "file_ingest"."run_file_plans" cascade;`);

    this.addSql(`drop index "file_ingest"."processed_files_tenant_id_directory_id_pending_move_index";`);
    this.addSql(`drop index "file_ingest"."processed_files_run_id_index";`);
    this.addSql(`alter table "file_ingest"."processed_files" drop column "pending_move", drop column "move_reason";`);
  }

}
