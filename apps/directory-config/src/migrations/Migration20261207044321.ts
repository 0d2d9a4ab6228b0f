import { Migration } from '@mikro-orm/migrations';

export class Migration20261207044321 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_config"."exports" ("tenant_id" uuid not null, "id" uuid not null, "email" text not null, "status" text not null, "row_count" int null, "size" bigint null, "file_name" text null, "failure" jsonb null, "requested_at" timestamptz not null, "started_at" timestamptz null, "ready_at" timestamptz null, "mailed_at" timestamptz null, "failed_at" timestamptz null, "updated_at" timestamptz not null, constraint "exports_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "exports_tenant_id_requested_at_index" on "directory_config"."exports" ("tenant_id", "requested_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_config"."exports" cascade;`);
  }

}
