import { PageInfo } from '@lattice/platform';
import { Field, ObjectType } from 'type-graphql';
import { Prompt } from './prompt.type';

@ObjectType()
export class PromptEdge {
  @Field()
  cursor!: string;

  @Field(() => Prompt)
  node!: Prompt;
}

@ObjectType({ description: 'Prompts newest first.' })
export class PromptConnection {
  @Field(() => [PromptEdge])
  edges!: PromptEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
