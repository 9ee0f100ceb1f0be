/**
 * What the pod's GraphQL endpoints allow per requester (docs/protocol.md, "Limits and errors"): the
 * cost and answer-size budgets of src/graphql and the open-subscription limits. Given at start
 * (`PodStartOptions.graphql`), else by the environment (`BYODA_GRAPHQL_BUDGETS` as JSON,
 * `BYODA_SUBSCRIPTIONS_PER_CLIENT`, `BYODA_SUBSCRIPTIONS_PER_MEMBERSHIP`), else the defaults; a
 * malformed value stops the pod at start.
 */
import { answerBudgets, answerBudgetsFromEnv } from '../../../graphql/index.js';
import type { AnswerBudgets, AnswerBudgetsConfig } from '../../../graphql/index.js';
import { checkLimit, DEFAULT_SUBSCRIPTION_LIMITS, subscriptionLimitsFromEnv } from './subscription-slots.js';
import type { SubscriptionLimits } from './subscription-slots.js';

export interface GraphqlSettings {
  readonly budgets: AnswerBudgets;
  readonly subscriptions: SubscriptionLimits;
}

export interface GraphqlSettingsConfig {
  readonly budgets?: AnswerBudgetsConfig;
  readonly subscriptions?: Partial<SubscriptionLimits>;
}

export const DEFAULT_GRAPHQL_SETTINGS: GraphqlSettings = {
  budgets: answerBudgets(),
  subscriptions: DEFAULT_SUBSCRIPTION_LIMITS,
};

/** `config` over the environment over the defaults, checked. */
export function graphqlSettings(
  config: GraphqlSettingsConfig | undefined,
  env: NodeJS.ProcessEnv,
): GraphqlSettings {
  const budgets = config?.budgets
    ? answerBudgets(config.budgets)
    : (answerBudgetsFromEnv(env) ?? answerBudgets());
  const given = {
    ...DEFAULT_SUBSCRIPTION_LIMITS,
    ...subscriptionLimitsFromEnv(env),
    ...config?.subscriptions,
  };
  return {
    budgets,
    subscriptions: {
      perClient: checkLimit(given.perClient, 'subscriptions.perClient'),
      perMembership: checkLimit(given.perMembership, 'subscriptions.perMembership'),
    },
  };
}
