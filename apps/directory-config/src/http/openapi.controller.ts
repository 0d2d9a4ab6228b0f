import { Controller, Get } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi';

@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  openapi() {
    return this.document;
  }
}
