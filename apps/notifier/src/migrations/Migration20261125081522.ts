import { Migration } from '@mikro-orm/migrations';

export class Migration20261125081522 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "notifier";`);
    this.addSql(`create table "notifier"."inbox" ("consumer" text not null, "event_id" text not null, "handled_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "notifier"."notifications" ("event_id" text not null, "tenant_id" uuid not null, "run_id" uuid null, "kind" text not null, "recipients" jsonb not null, "subject" text not null, "status" text not null, "attempts" int not null default 0, "last_error" text null, "created_at" timestamptz not null default now(), "sent_at" timestamptz null, constraint "notifications_pkey" primary key ("event_id"));`);
    this.addSql(`create index "notifications_tenant_id_run_id_index" on "notifier"."notifications" ("tenant_id", "run_id");`);

    this.addSql(`create table "notifier"."outbox" ("seq" bigserial primary key, "id" text not null, "subject" text not null, "envelope" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "notifier"."outbox" add constraint "outbox_id_unique" unique ("id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifier"."inbox" cascade;`);

    this.addSql(`drop table if exists "notifier"."notifications" cascade;`);

    this.addSql(`drop table if exists "notifier"."outbox" cascade;`);

    this.addSql(`drop schema if exists "notifier";`);
  }

}
