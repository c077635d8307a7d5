import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/generate-api-types.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe("the dashboard's API types", () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp();
    await testApp.app.ready();
  });
  afterAll(() => testApp.close());

  it('are what the OpenAPI document says today (run npm run generate:api-types)', async () => {
    const generated = await generateApiTypes(
      testApp.app.swagger() as Parameters<typeof generateApiTypes>[0],
    );
    expect(fs.readFileSync(API_TYPES_FILE, 'utf8')).toBe(generated);
  });
});
