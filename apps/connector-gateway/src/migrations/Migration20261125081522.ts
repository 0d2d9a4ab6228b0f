import { Migration } from '@mikro-orm/migrations';

export class Migration20261125081522 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "connector_gateway";`);
    this.addSql(`create table "connector_gateway"."inbox" ("consumer" text not null, "event_id" text not null, "handled_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "connector_gateway"."outbox" ("seq" bigserial primary key, "id" text not null, "subject" text not null, "envelope" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "connector_gateway"."outbox" add constraint "outbox_id_unique" unique ("id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "connector_gateway"."inbox" cascade;`);

    this.addSql(`drop table if exists "connector_gateway"."outbox" cascade;`);

    this.addSql(`drop schema if exists "connector_gateway";`);
  }

}
