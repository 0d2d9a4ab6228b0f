import { Migration } from '@mikro-orm/migrations';

export class Migration20261207120753 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "notifier"."notifications" add column "refused_recipients" jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notifier"."notifications" drop column "refused_recipients";`);
  }

}
