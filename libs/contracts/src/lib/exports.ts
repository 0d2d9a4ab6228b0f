import { z } from 'zod';

/**
 * R-EXP-01: an admin's export of the tenant's users as a users file. directory-config asks (outbox), the
 * reconciler (which owns the directory) writes the CSV to the JetStream object store and announces it, the
 * notifier mails it. The file itself never travels on a stream: only its object name.
 */

/** The object store bucket holding export files; objects are named `exportObjectName(tenant, export)`. */
export const EXPORTS_BUCKET = 'roster-exports';
/** How long an export file is kept in the bucket (the mail carries the copy the admin keeps). */
export const EXPORTS_TTL_DAYS = 7;

/** Object name of an export: under the tenant, so a name carries its tenant (R-TEN-01). */
export function exportObjectName(tenantId: string, exportId: string): string {
  return `${tenantId}/${exportId}.csv`;
}

export const ExportRequestedV1 = z.object({
  exportId: z.string().uuid(),
  /** The requesting admin, a user of the tenant; the file is mailed to them. */
  email: z.string().email(),
  requestedAt: z.string().datetime({ offset: true }),
});
export type ExportRequestedV1 = z.infer<typeof ExportRequestedV1>;

export const ExportReadyV1 = z.object({
  exportId: z.string().uuid(),
  email: z.string().email(),
  bucket: z.string().min(1),
  objectName: z.string().min(1),
  /** A file name for the attachment, e.g. `users-export-2026-11-25.csv`. */
  fileName: z.string().min(1),
  /** Data rows (the header not counted). */
  rowCount: z.number().int().nonnegative(),
  /** Bytes of the CSV file. */
  size: z.number().int().nonnegative(),
  /** SHA-256 of the file as the object store reports it (`SHA-256=<base64url>`). */
  digest: z.string(),
  createdAt: z.string().datetime({ offset: true }),
});
export type ExportReadyV1 = z.infer<typeof ExportReadyV1>;

/** The reconciler started writing an export's file (status `building`); a redelivery announces it again. */
export const ExportBuildingV1 = z.object({
  exportId: z.string().uuid(),
  startedAt: z.string().datetime({ offset: true }),
});
export type ExportBuildingV1 = z.infer<typeof ExportBuildingV1>;

/** The notifier mailed an export to the admin who asked for it (status `mailed`, the end of an export). */
export const ExportMailedV1 = z.object({
  exportId: z.string().uuid(),
  email: z.string().email(),
  /** Data rows of the mailed file. */
  rowCount: z.number().int().nonnegative(),
  mailedAt: z.string().datetime({ offset: true }),
});
export type ExportMailedV1 = z.infer<typeof ExportMailedV1>;

/**
 * Where an export is: `requested` (accepted), `building` (the reconciler writes the file), `ready` (the file is in
 * the object store), `mailed` (done) or `failed` (its request or its mail was dead-lettered, with the reason).
 */
export const EXPORT_STATUSES = ['requested', 'building', 'ready', 'mailed', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
