import { Migration } from '@mikro-orm/migrations';

export class Migration20261208000906 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "reconciler"."staged_batches" add column "custom_labels" text[] null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "reconciler"."staged_batches" drop column "custom_labels";`);
  }

}
