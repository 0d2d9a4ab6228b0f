import { z } from 'zod';

export const RequestExportBody = z.object({ email: z.string().trim().toLowerCase().email() });
export type RequestExportBody = z.infer<typeof RequestExportBody>;

export const ExportAcceptedView = z.object({ exportId: z.string().uuid() });
