import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { createLogger, type LoggerOptions } from './logger';

export interface LoggingModuleOptions extends LoggerOptions {
  /** Where log lines go; stdout when omitted. Tests pass a capture stream. */
  destination?: DestinationStream;
}

export const REQUEST_ID_HEADER = 'x-request-id';
/** The root pino logger, for code outside a request (consumers, shutdown): `app.get<pino.Logger>(ROOT_LOGGER)`. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
// A caller-supplied id is reused only when it cannot smuggle anything odd into logs.
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;
// Probes and scrapes every few seconds would drown the request log.
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * nestjs-pino wired to `createLogger`, so request logs and `PinoLogger` share one redaction list. In main.ts create
 * the app with `{ bufferLogs: true }` and call `app.useLogger(app.get(Logger))` (Logger from nestjs-pino).
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingModuleOptions): DynamicModule {
    const logger = createLogger(options, options.destination);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: requestId,
            customAttributeKeys: { reqId: 'requestId' },
            // Application logs inside a request carry only `requestId`, not the whole request every time.
            quietReqLogger: true,
            autoLogging: { ignore: (req) => QUIET_PATHS.test(req.url ?? '') },
            customLogLevel: (_req, res, err) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          },
          // nestjs-pino 4 on Nest 11 (path-to-regexp 8) needs a named wildcard.
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
      exports: [LoggerModule, ROOT_LOGGER],
    };
  }
}
