/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n": typeof types.LogInDocument,
    "\n  query Plans {\n    plans {\n      id\n      ...PlanCard_plan\n    }\n  }\n": typeof types.PlansDocument,
    "\n  fragment PlanCard_plan on Plan {\n    id\n    name\n    priceCents\n    currency\n    interval\n    limits {\n      feature\n      limit\n    }\n  }\n": typeof types.PlanCard_PlanFragmentDoc,
    "\n  query MePage {\n    me {\n      id\n      name\n      email\n      createdAt\n      memberships {\n        role\n        organization {\n          id\n          name\n          subscription {\n            id\n            plan {\n              id\n            }\n          }\n        }\n        ...MembershipCard_membership\n      }\n    }\n  }\n": typeof types.MePageDocument,
    "\n  subscription LiveMetric($name: String!) {\n    metricRecorded(name: $name) {\n      value\n      at\n      recordedBy {\n        name\n      }\n    }\n  }\n": typeof types.LiveMetricDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  fragment MembershipCard_membership on Membership {\n    role\n    organization {\n      id\n      name\n      slug\n      subscription {\n        id\n        status\n        currentPeriodEnd\n        plan {\n          id\n          name\n          priceCents\n          currency\n          interval\n        }\n      }\n    }\n  }\n": typeof types.MembershipCard_MembershipFragmentDoc,
    "\n  mutation SwitchOrganization($organizationId: ID!) {\n    switchOrganization(organizationId: $organizationId) {\n      accessToken\n      refreshToken\n    }\n  }\n": typeof types.SwitchOrganizationDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n    }\n  }\n": typeof types.RefreshSessionDocument,
};
const documents: Documents = {
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n": types.LogInDocument,
    "\n  query Plans {\n    plans {\n      id\n      ...PlanCard_plan\n    }\n  }\n": types.PlansDocument,
    "\n  fragment PlanCard_plan on Plan {\n    id\n    name\n    priceCents\n    currency\n    interval\n    limits {\n      feature\n      limit\n    }\n  }\n": types.PlanCard_PlanFragmentDoc,
    "\n  query MePage {\n    me {\n      id\n      name\n      email\n      createdAt\n      memberships {\n        role\n        organization {\n          id\n          name\n          subscription {\n            id\n            plan {\n              id\n            }\n          }\n        }\n        ...MembershipCard_membership\n      }\n    }\n  }\n": types.MePageDocument,
    "\n  subscription LiveMetric($name: String!) {\n    metricRecorded(name: $name) {\n      value\n      at\n      recordedBy {\n        name\n      }\n    }\n  }\n": types.LiveMetricDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  fragment MembershipCard_membership on Membership {\n    role\n    organization {\n      id\n      name\n      slug\n      subscription {\n        id\n        status\n        currentPeriodEnd\n        plan {\n          id\n          name\n          priceCents\n          currency\n          interval\n        }\n      }\n    }\n  }\n": types.MembershipCard_MembershipFragmentDoc,
    "\n  mutation SwitchOrganization($organizationId: ID!) {\n    switchOrganization(organizationId: $organizationId) {\n      accessToken\n      refreshToken\n    }\n  }\n": types.SwitchOrganizationDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n    }\n  }\n": types.RefreshSessionDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      accessToken\n      refreshToken\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Plans {\n    plans {\n      id\n      ...PlanCard_plan\n    }\n  }\n"): (typeof documents)["\n  query Plans {\n    plans {\n      id\n      ...PlanCard_plan\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PlanCard_plan on Plan {\n    id\n    name\n    priceCents\n    currency\n    interval\n    limits {\n      feature\n      limit\n    }\n  }\n"): (typeof documents)["\n  fragment PlanCard_plan on Plan {\n    id\n    name\n    priceCents\n    currency\n    interval\n    limits {\n      feature\n      limit\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MePage {\n    me {\n      id\n      name\n      email\n      createdAt\n      memberships {\n        role\n        organization {\n          id\n          name\n          subscription {\n            id\n            plan {\n              id\n            }\n          }\n        }\n        ...MembershipCard_membership\n      }\n    }\n  }\n"): (typeof documents)["\n  query MePage {\n    me {\n      id\n      name\n      email\n      createdAt\n      memberships {\n        role\n        organization {\n          id\n          name\n          subscription {\n            id\n            plan {\n              id\n            }\n          }\n        }\n        ...MembershipCard_membership\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveMetric($name: String!) {\n    metricRecorded(name: $name) {\n      value\n      at\n      recordedBy {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription LiveMetric($name: String!) {\n    metricRecorded(name: $name) {\n      value\n      at\n      recordedBy {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MembershipCard_membership on Membership {\n    role\n    organization {\n      id\n      name\n      slug\n      subscription {\n        id\n        status\n        currentPeriodEnd\n        plan {\n          id\n          name\n          priceCents\n          currency\n          interval\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment MembershipCard_membership on Membership {\n    role\n    organization {\n      id\n      name\n      slug\n      subscription {\n        id\n        status\n        currentPeriodEnd\n        plan {\n          id\n          name\n          priceCents\n          currency\n          interval\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SwitchOrganization($organizationId: ID!) {\n    switchOrganization(organizationId: $organizationId) {\n      accessToken\n      refreshToken\n    }\n  }\n"): (typeof documents)["\n  mutation SwitchOrganization($organizationId: ID!) {\n    switchOrganization(organizationId: $organizationId) {\n      accessToken\n      refreshToken\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;