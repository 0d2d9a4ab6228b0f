import { Migration } from '@mikro-orm/migrations';

export class Migration20261125082736 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "reconciler"."custom_field_definitions" ("tenant_id" uuid not null, "label" text not null, "type" text not null, "created_by_run_id" uuid null, "created_at" timestamptz not null default now(), constraint "custom_field_definitions_pkey" primary key ("tenant_id", "label"));`);

    this.addSql(`create table "reconciler"."teams" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "name_key" text not null, "owner_email" text null, "owner_user_id" uuid null, "parent_team_id" uuid null, "type" text null, "description" text null, "source_directory_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "teams_pkey" primary key ("id"));`);
    this.addSql(`create index "teams_tenant_id_parent_team_id_index" on "reconciler"."teams" ("tenant_id", "parent_team_id");`);
    this.addSql(`alter table "reconciler"."teams" add constraint "teams_tenant_name_key_unique" unique ("tenant_id", "name_key");`);

    this.addSql(`create table "reconciler"."team_memberships" ("team_id" uuid not null, "user_id" uuid not null, "source_directory_id" uuid not null, "tenant_id" uuid not null, "created_at" timestamptz not null default now(), constraint "team_memberships_pkey" primary key ("team_id", "user_id", "source_directory_id"));`);
    this.addSql(`create index "team_memberships_tenant_id_user_id_source_directory_id_index" on "reconciler"."team_memberships" ("tenant_id", "user_id", "source_directory_id");`);

    this.addSql(`alter table "reconciler"."staged_batches" add column "teams" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reconciler"."custom_field_definitions" cascade;`);

    this.addSql(`drop table if exists "reconciler"."teams" cascade;`);

    this.addSql(`drop table if exists "reconciler"."team_memberships" cascade;`);

    this.addSql(`alter table "reconciler"."staged_batches" drop column "teams";`);
  }

}
