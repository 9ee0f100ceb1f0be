import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import Fastify from 'fastify';
import type { FastifySchemaCompiler } from 'fastify';
import { compiledOnFirstUse } from '../../../src/http/index.js';

const BODY = {
  type: 'object',
  required: ['port'],
  additionalProperties: false,
  properties: { port: { type: 'integer' } },
} as const;

describe('http: validators compiled on first use', () => {
  it('compiles a schema at its first validation, once, not when the route is made', () => {
    const ajv = new Ajv();
    let compiles = 0;
    const compiler = compiledOnFirstUse(({ schema }) => {
      compiles++;
      return ajv.compile(schema as object);
    }) as FastifySchemaCompiler<unknown>;
    const validate = compiler({ schema: BODY, method: 'POST', url: '/', httpPart: 'body' }) as unknown as {
      (data: unknown): boolean;
      errors?: { instancePath: string }[] | null;
    };
    assert.equal(compiles, 0);
    assert.equal(validate({ port: 443 }), true);
    assert.equal(validate({ port: 'x' }), false);
    assert.equal(validate.errors?.[0]?.instancePath, '/port', 'the errors of the call that failed');
    assert.equal(validate({ port: 1 }), true);
    assert.equal(validate.errors, null, 'no errors left over from an earlier call');
    assert.equal(compiles, 1);
  });

  it('refuses a bad request with the same 400 as a validator compiled at the start', async () => {
    const answers = [];
    for (const lazy of [false, true]) {
      const app = Fastify();
      const ajv = new Ajv({
        allErrors: false,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
      });
      const compile: FastifySchemaCompiler<unknown> = ({ schema }) => ajv.compile(schema as object);
      app.setValidatorCompiler(lazy ? compiledOnFirstUse(compile) : compile);
      app.post('/', { schema: { body: BODY } }, () => ({ ok: true }));
      for (const payload of [{ port: 'x' }, { port: 1, extra: true }, { port: 2 }]) {
        const reply = await app.inject({ method: 'POST', url: '/', payload });
        answers.push({ lazy, status: reply.statusCode, body: reply.body });
      }
      await app.close();
    }
    const [eager, lazy] = [answers.filter((a) => !a.lazy), answers.filter((a) => a.lazy)];
    assert.deepEqual(
      lazy.map(({ status, body }) => ({ status, body })),
      eager.map(({ status, body }) => ({ status, body })),
    );
    assert.deepEqual(
      eager.map((a) => a.status),
      [400, 400, 200],
    );
    assert.match(eager[0]?.body ?? '', /body\/port/);
  });

  it("lets Ajv coerce a root value as fastify's own compiler does (the parent is passed on)", async () => {
    const app = Fastify();
    const ajv = new Ajv({ coerceTypes: 'array' });
    app.setValidatorCompiler(compiledOnFirstUse(({ schema }) => ajv.compile(schema as object)));
    app.post('/', { schema: { body: { type: 'array', items: { type: 'integer' } } } }, (request) => ({
      body: request.body,
    }));
    const reply = await app.inject({
      method: 'POST',
      url: '/',
      payload: '7',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), { body: [7] });
    await app.close();
  });
});
