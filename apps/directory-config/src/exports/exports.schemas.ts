import { z } from 'zod';
import { EXPORT_STATUSES } from '@roster/contracts';

export const RequestExportBody = z.object({ email: z.string().trim().toLowerCase().email() });
export type RequestExportBody = z.infer<typeof RequestExportBody>;

export const ExportAcceptedView = z.object({ exportId: z.string().uuid() });

/** R-EXP-01: an export's status, as `GET /v1/tenants/{tenantId}/exports/{exportId}` answers it. */
export const ExportView = z.object({
  exportId: z.string().uuid(),
  status: z
    .enum(EXPORT_STATUSES)
    .describe('requested (accepted) → building (the file is being written) → ready (the file is written) → mailed (done); or failed, with failure'),
  email: z.string().describe('Who the file is mailed to'),
  rowCount: z.number().int().nullable().describe('Users in the file (data rows), once it is written'),
  size: z.number().int().nullable().describe('Bytes of the file, once it is written'),
  fileName: z.string().nullable().describe('The attachment name, once the file is written'),
  failure: z
    .object({ stage: z.enum(['build', 'mail']), code: z.string(), message: z.string() })
    .nullable()
    .describe("Why it failed: the dead letter's code and reason; stage build (the file could not be written) or mail (it could not be mailed). A redriven dead letter moves the export on"),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  mailedAt: z.string().nullable(),
  failedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type ExportView = z.infer<typeof ExportView>;
