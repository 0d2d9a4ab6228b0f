import type { PayloadOf } from '@roster/contracts';

/** The mail that carries an export (R-EXP-01): what it is, how many users, and that it re-imports as it is. */
export function exportMail(ready: PayloadOf<'export.ready'>): { subject: string; text: string } {
  return {
    subject: `Roster: your users export (${ready.rowCount} users)`,
    text: [
      `The users export you asked for is attached: ${ready.fileName}.`,
      '',
      `Users: ${ready.rowCount}`,
      `Size: ${ready.size} bytes`,
      `Export: ${ready.exportId}`,
      '',
      'It uses the labels of the users file, so it can be dropped on the SFTP folder and re-imported as it is.',
      "Cells that would start a spreadsheet formula (= + - @, tab, CR) begin with an apostrophe; the import removes it.",
    ].join('\n'),
  };
}
