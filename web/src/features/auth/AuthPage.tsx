import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorBanner, NoticeBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { graphql } from '../../gql';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../lib/errors';
import { setSession } from '../../lib/session';
import { PlansList } from '../billing/PlansList';

const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      accessToken
      refreshToken
      user {
        id
      }
    }
  }
`);

const LogInMutation = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      accessToken
      refreshToken
      user {
        id
      }
    }
  }
`);

type Mode = 'logIn' | 'signUp';
type Field = 'name' | 'email' | 'password';
const FIELDS: readonly Field[] = ['name', 'email', 'password'];

export function AuthPage({ notice }: { notice: string | null }) {
  const [mode, setMode] = useState<Mode>('logIn');
  const [values, setValues] = useState<Record<Field, string>>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [signUpState, signUp] = useMutation(SignUpMutation);
  const [logInState, logIn] = useMutation(LogInMutation);
  const submitting = signUpState.fetching || logInState.fetching;

  const update = (field: Field) => (value: string) => {
    setValues((previous) => ({ ...previous, [field]: value }));
    if (errors.fields[field]) {
      const { [field]: _removed, ...rest } = errors.fields;
      setErrors({ ...errors, fields: rest });
    }
  };

  const switchMode = (next: Mode) => {
    setMode(next);
    setErrors(NO_ERRORS);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    const email = values.email.trim();
    if (mode === 'signUp') {
      const result = await signUp({ input: { name: values.name.trim(), email, password: values.password } });
      if (result.data) setSession(result.data.signUp);
      else setErrors(toFormErrors(result.error, FIELDS));
    } else {
      const result = await logIn({ input: { email, password: values.password } });
      if (result.data) setSession(result.data.logIn);
      else setErrors(toFormErrors(result.error, FIELDS));
    }
  };

  const isSignUp = mode === 'signUp';

  return (
    <div className="auth-layout">
      <section className="card auth-card" aria-labelledby="auth-title">
        <div className="segmented" role="group" aria-label="Log in or sign up">
          <button
            type="button"
            aria-pressed={!isSignUp}
            className={!isSignUp ? 'segment segment-active' : 'segment'}
            onClick={() => switchMode('logIn')}
          >
            Log in
          </button>
          <button
            type="button"
            aria-pressed={isSignUp}
            className={isSignUp ? 'segment segment-active' : 'segment'}
            onClick={() => switchMode('signUp')}
          >
            Sign up
          </button>
        </div>

        <h1 id="auth-title" className="auth-title">
          {isSignUp ? 'Create your account' : 'Log in to Lattice'}
        </h1>

        {notice ? <NoticeBanner>{notice}</NoticeBanner> : null}
        <ErrorBanner messages={errors.messages} />

        <form className="form" onSubmit={onSubmit}>
          {isSignUp ? (
            <TextField
              label="Name"
              name="name"
              autoComplete="name"
              required
              value={values.name}
              onChange={update('name')}
              error={errors.fields.name}
            />
          ) : null}
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            inputMode="email"
            required
            value={values.email}
            onChange={update('email')}
            error={errors.fields.email}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete={isSignUp ? 'new-password' : 'current-password'}
            required
            value={values.password}
            onChange={update('password')}
            error={errors.fields.password}
          />
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            {submitting ? 'Please wait…' : isSignUp ? 'Create account' : 'Log in'}
          </button>
        </form>
      </section>

      <section className="card" aria-labelledby="public-plans-title">
        <h2 id="public-plans-title">Plans</h2>
        <PlansList />
      </section>
    </div>
  );
}
