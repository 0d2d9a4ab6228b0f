import { Migration } from '@mikro-orm/migrations';

export class Migration20261206224133 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "reconciler"."staged_batches" drop constraint "staged_batches_pkey";`);

    this.addSql(`alter table "reconciler"."staged_batches" add column "fetch_id" text not null default '';`);
    this.addSql(`alter table "reconciler"."staged_batches" add constraint "staged_batches_pkey" primary key ("run_id", "fetch_id", "batch_no");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "reconciler"."staged_batches" drop constraint "staged_batches_pkey";`);
    this.addSql(`alter table "reconciler"."staged_batches" drop column "fetch_id";`);

    this.addSql(`alter table "reconciler"."staged_batches" add constraint "staged_batches_pkey" primary key ("run_id", "batch_no");`);
  }

}
