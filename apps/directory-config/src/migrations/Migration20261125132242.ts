import { Migration } from '@mikro-orm/migrations';

export class Migration20261125132242 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_config"."tenant_data_keys" ("tenant_id" uuid not null, "master_key_id" text not null, "iv" text not null, "tag" text not null, "wrapped_key" text not null, "created_at" timestamptz not null default now(), "rotated_at" timestamptz null, "wrapped_at" timestamptz not null default now(), constraint "tenant_data_keys_pkey" primary key ("tenant_id"));`);
    this.addSql(`create index "tenant_data_keys_master_key_id_index" on "directory_config"."tenant_data_keys" ("master_key_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_config"."tenant_data_keys" cascade;`);
  }

}
