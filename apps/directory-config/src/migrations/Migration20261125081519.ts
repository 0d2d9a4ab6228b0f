import { Migration } from '@mikro-orm/migrations';

export class Migration20261125081519 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "directory_config";`);
    this.addSql(`create table "directory_config"."directories" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "type" text not null, "settings" jsonb not null, "secrets" jsonb not null, "recipients" jsonb not null, "enabled" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "directories_pkey" primary key ("id"));`);
    this.addSql(`create index "directories_tenant_id_index" on "directory_config"."directories" ("tenant_id");`);

    this.addSql(`create table "directory_config"."inbox" ("consumer" text not null, "event_id" text not null, "handled_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "directory_config"."outbox" ("seq" bigserial primary key, "id" text not null, "subject" text not null, "envelope" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "directory_config"."outbox" add constraint "outbox_id_unique" unique ("id");`);

    this.addSql(`create table "directory_config"."runs" ("id" uuid not null, "tenant_id" uuid not null, "directory_id" uuid not null, "trigger" text not null, "status" text not null, "active" boolean null, "counts" jsonb null, "problems" jsonb not null, "problem_count" int not null default 0, "failure" jsonb null, "file_name" text null, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "finished_at" timestamptz null, constraint "runs_pkey" primary key ("id"));`);
    this.addSql(`create index "runs_tenant_id_directory_id_created_at_index" on "directory_config"."runs" ("tenant_id", "directory_id", "created_at");`);
    this.addSql(`alter table "directory_config"."runs" add constraint "runs_one_active_per_directory" unique ("directory_id", "active");`);

    this.addSql(`create table "directory_config"."tenants" ("id" uuid not null, "name" text not null, "owner_email" text null, "created_at" timestamptz not null default now(), constraint "tenants_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_config"."directories" cascade;`);

    this.addSql(`drop table if exists "directory_config"."inbox" cascade;`);

    this.addSql(`drop table if exists "directory_config"."outbox" cascade;`);

    this.addSql(`drop table if exists "directory_config"."runs" cascade;`);

    this.addSql(`drop table if exists "directory_config"."tenants" cascade;`);

    this.addSql(`drop schema if exists "directory_config";`);
  }

}
