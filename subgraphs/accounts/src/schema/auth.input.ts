import { IsDisplayName } from '@lattice/platform';
import { Length, Matches, MaxLength, MinLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsEmailAddress } from './email.validator';

export const PASSWORD_MIN = 8;
/** Bounds the cost of hashing an attacker's input. */
export const PASSWORD_MAX = 256;

@InputType()
export class SignUpInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @MinLength(PASSWORD_MIN, { message: `password must be at least ${PASSWORD_MIN} characters` })
  @MaxLength(PASSWORD_MAX, { message: `password must be at most ${PASSWORD_MAX} characters` })
  password!: string;

  @Field()
  @Length(1, 100, { message: 'name must be 1 to 100 characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  @IsDisplayName()
  name!: string;
}

@InputType()
export class LogInInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field()
  @Length(1, PASSWORD_MAX, { message: `password must be 1 to ${PASSWORD_MAX} characters` })
  password!: string;
}

@InputType()
export class CreateOrganizationInput {
  @Field()
  @Length(1, 100, { message: 'name must be 1 to 100 characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  @IsDisplayName()
  name!: string;
}
