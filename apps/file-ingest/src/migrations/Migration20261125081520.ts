import { Migration } from '@mikro-orm/migrations';

export class Migration20261125081520 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "file_ingest";`);
    this.addSql(`create table "file_ingest"."file_ledger" ("id" uuid not null, "tenant_id" uuid not null, "directory_id" uuid not null, "run_id" uuid not null, "file_name" text null, "checksum" text null, "outcome" text not null, "moved_to" text null, "rows" int not null default 0, "reason" text null, "created_at" timestamptz not null default now(), constraint "file_ledger_pkey" primary key ("id"));`);
    this.addSql(`alter table "file_ingest"."file_ledger" add constraint "file_ledger_run_id_unique" unique ("run_id");`);
    this.addSql(`create index "file_ledger_tenant_id_directory_id_checksum_index" on "file_ingest"."file_ledger" ("tenant_id", "directory_id", "checksum");`);

    this.addSql(`create table "file_ingest"."inbox" ("consumer" text not null, "event_id" text not null, "handled_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "file_ingest"."outbox" ("seq" bigserial primary key, "id" text not null, "subject" text not null, "envelope" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "file_ingest"."outbox" add constraint "outbox_id_unique" unique ("id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "file_ingest"."file_ledger" cascade;`);

    this.addSql(`drop table if exists "file_ingest"."inbox" cascade;`);

    this.addSql(`drop table if exists "file_ingest"."outbox" cascade;`);

    this.addSql(`drop schema if exists "file_ingest";`);
  }

}
