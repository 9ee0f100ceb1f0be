/**
 * spec §7: introspection is on for the owner and off for everyone else, so other members and the
 * service learn the data a pod serves from the contract, not by probing the pod. `__typename` stays
 * allowed: it reveals nothing beyond the contract and clients rely on it for unions and caching.
 */
import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export const ownerOnlyIntrospectionRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    if (!INTROSPECTION_FIELDS.has(node.name.value)) return;
    context.reportError(
      new GraphQLError(`introspection (${node.name.value}) is available to the pod's owner only`, {
        nodes: node,
        extensions: { code: 'BYODA_ERR_FORBIDDEN' },
      }),
    );
  },
});
