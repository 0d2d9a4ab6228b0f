import { Migration } from '@mikro-orm/migrations';

export class Migration20261207191601 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "notifications_created_at_index" on "notifier"."notifications" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notifier"."notifications_created_at_index";`);
  }

}
