import { Migration } from '@mikro-orm/migrations';

export class Migration20261125113505 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "reconciler"."directory_groups" ("id" uuid not null, "tenant_id" uuid not null, "source_directory_id" uuid not null, "external_id" text not null, "name" text not null, "type" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "directory_groups_pkey" primary key ("id"));`);
    this.addSql(`alter table "reconciler"."directory_groups" add constraint "directory_groups_tenant_directory_external_unique" unique ("tenant_id", "source_directory_id", "external_id");`);

    this.addSql(`create table "reconciler"."group_memberships" ("group_id" uuid not null, "user_id" uuid not null, "tenant_id" uuid not null, "created_at" timestamptz not null default now(), constraint "group_memberships_pkey" primary key ("group_id", "user_id"));`);
    this.addSql(`create index "group_memberships_tenant_id_user_id_index" on "reconciler"."group_memberships" ("tenant_id", "user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reconciler"."directory_groups" cascade;`);

    this.addSql(`drop table if exists "reconciler"."group_memberships" cascade;`);
  }

}
