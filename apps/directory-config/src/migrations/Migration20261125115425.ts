import { Migration } from '@mikro-orm/migrations';

export class Migration20261125115425 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_config"."api_keys" ("id" uuid not null, "name" text not null, "role" text not null, "tenant_id" uuid null, "key_hash" text not null, "prefix" text not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "api_keys_tenant_id_index" on "directory_config"."api_keys" ("tenant_id");`);
    this.addSql(`alter table "directory_config"."api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_config"."api_keys" cascade;`);
  }

}
