import { Migration } from '@mikro-orm/migrations';

export class Migration20261125120809 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "connector_gateway"."fetch_watermarks" ("directory_id" uuid not null, "tenant_id" uuid not null, "fetched_from" timestamptz not null, "last_full_at" timestamptz null, "updated_at" timestamptz not null default now(), constraint "fetch_watermarks_pkey" primary key ("directory_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "connector_gateway"."fetch_watermarks" cascade;`);
  }

}
