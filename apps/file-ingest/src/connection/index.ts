import { SftpTestResponder } from './sftp-test.responder';
import { TestSftpConnectionUseCase } from './test-sftp-connection.usecase';

/** Test connection (request/reply): registered by the app module. */
export const CONNECTION_PROVIDERS = [TestSftpConnectionUseCase, SftpTestResponder];
