import type { CanonicalEmployee, HrisFieldMapping, HrisUsernameAttribute, RowProblem } from '@roster/contracts';

/** What a connector can do beyond a full fetch; the sync use case asks before it relies on one. */
export interface ConnectorCapabilities {
  /** Fetches only records modified after a watermark (`modifiedAfter`). */
  incremental: boolean;
  /** Reports groups with their types (R-API-08). */
  groups: boolean;
}

/** A directory's source settings with the account token opened (in memory only, for one fetch or test). */
export interface ConnectorSettings {
  baseUrl: string;
  accountToken: string;
  /** 1..100 (R-API-02). */
  pageSize: number;
  fieldMappings: readonly HrisFieldMapping[];
  /** R-API-04: the source attribute users are matched by (default workEmail: the email is the username). */
  usernameAttribute?: HrisUsernameAttribute;
}

export interface ConnectionCheck {
  ok: boolean;
  code?: string;
  message?: string;
  integration?: string;
}

/** One page of the source, normalised. */
export interface ConnectorPage {
  employees: CanonicalEmployee[];
  problems: RowProblem[];
  /** Source records in the page (employees + those that became problems or were skipped). */
  rows: number;
}

export interface FetchOptions {
  /** Incremental: only records modified after this instant. */
  modifiedAfter?: Date;
}

/**
 * An HR-system API connector. `fetchEmployees` yields pages until the source's last one; when it cannot go on
 * (after its retries) it throws a `ConnectorException`, and the caller reports the fetch as incomplete.
 * A second provider is one new folder under connectors/ registered in `CONNECTORS`.
 */
export interface HrisConnector {
  readonly provider: string;
  readonly capabilities: ConnectorCapabilities;
  testConnection(settings: Omit<ConnectorSettings, 'pageSize' | 'fieldMappings' | 'usernameAttribute'>): Promise<ConnectionCheck>;
  fetchEmployees(settings: ConnectorSettings, options?: FetchOptions): AsyncGenerator<ConnectorPage, void, undefined>;
}
