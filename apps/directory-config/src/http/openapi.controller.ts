import { Controller, Get } from '@nestjs/common';
import { Public } from '@roster/observability';
import { buildOpenApiDocument } from './openapi';

// The API's description holds no data: clients and tools read it before they have a key.
@Public()
@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  openapi() {
    return this.document;
  }
}
