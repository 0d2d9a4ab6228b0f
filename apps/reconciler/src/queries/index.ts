import { DirectoryQueriesResponder } from './directory-queries.responder';
import { DirectoryQueriesUseCase } from './directory-queries.usecase';
import { UsersQueriesResponder } from './users-queries.responder';
import { UsersQueriesUseCase } from './users-queries.usecase';

/** Directory queries (request/reply): registered by the app module. */
export const QUERY_PROVIDERS = [DirectoryQueriesUseCase, DirectoryQueriesResponder, UsersQueriesUseCase, UsersQueriesResponder];
