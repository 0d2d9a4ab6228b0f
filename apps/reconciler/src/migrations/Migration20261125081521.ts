import { Migration } from '@mikro-orm/migrations';

export class Migration20261125081521 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "reconciler";`);
    this.addSql(`create table "reconciler"."inbox" ("consumer" text not null, "event_id" text not null, "handled_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "reconciler"."outbox" ("seq" bigserial primary key, "id" text not null, "subject" text not null, "envelope" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "reconciler"."outbox" add constraint "outbox_id_unique" unique ("id");`);

    this.addSql(`create table "reconciler"."run_problems" ("run_id" uuid not null, "seq" int not null, "tenant_id" uuid not null, "row_number" int null, "external_id" text null, "field" text null, "code" text not null, "message" text not null, constraint "run_problems_pkey" primary key ("run_id", "seq"));`);

    this.addSql(`create table "reconciler"."run_states" ("run_id" uuid not null, "tenant_id" uuid not null, "directory_id" uuid not null, "status" text not null, "counts" jsonb null, "problem_count" int not null default 0, "created_at" timestamptz not null default now(), "finished_at" timestamptz null, constraint "run_states_pkey" primary key ("run_id"));`);

    this.addSql(`create table "reconciler"."staged_batches" ("run_id" uuid not null, "batch_no" int not null, "tenant_id" uuid not null, "employees" jsonb not null, "problems" jsonb not null, "created_at" timestamptz not null default now(), constraint "staged_batches_pkey" primary key ("run_id", "batch_no"));`);

    this.addSql(`create table "reconciler"."users" ("id" uuid not null, "tenant_id" uuid not null, "email" text not null, "status" text not null, "first_name" text null, "last_name" text null, "display_name" text null, "job_title" text null, "department" text null, "location" text null, "employee_id" text null, "start_date" text null, "is_org_admin" boolean not null default false, "custom_fields" jsonb not null, "source_directory_id" uuid null, "external_id" text null, "deactivate_at" timestamptz null, "manager_id" uuid null, "content_hash" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "users_pkey" primary key ("id"));`);
    this.addSql(`create index "users_tenant_id_manager_id_index" on "reconciler"."users" ("tenant_id", "manager_id");`);
    this.addSql(`create index "users_tenant_id_source_directory_id_external_id_index" on "reconciler"."users" ("tenant_id", "source_directory_id", "external_id");`);
    this.addSql(`alter table "reconciler"."users" add constraint "users_tenant_email_unique" unique ("tenant_id", "email");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reconciler"."inbox" cascade;`);

    this.addSql(`drop table if exists "reconciler"."outbox" cascade;`);

    this.addSql(`drop table if exists "reconciler"."run_problems" cascade;`);

    this.addSql(`drop table if exists "reconciler"."run_states" cascade;`);

    this.addSql(`drop table if exists "reconciler"."staged_batches" cascade;`);

    this.addSql(`drop table if exists "reconciler"."users" cascade;`);

    this.addSql(`drop schema if exists "reconciler";`);
  }

}
