import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { graphql } from '../../gql';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../lib/errors';
import { useSwitchOrganization } from './useSwitchOrganization';

const CreateOrganizationMutation = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      id
      name
      slug
    }
  }
`);

/**
 * Creates an organization and makes it the active one right away (switchOrganization),
 * storing the new tokens. `onCreatedWithoutSwitch` runs when the organization exists but
 * the switch failed, so the caller can refetch its list.
 */
export function CreateOrganizationForm({ onCreatedWithoutSwitch }: { onCreatedWithoutSwitch: () => void }) {
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [createState, createOrganization] = useMutation(CreateOrganizationMutation);
  const { switchTo, switching } = useSwitchOrganization();
  const busy = createState.fetching || switching;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    const created = await createOrganization({ input: { name: name.trim() } });
    const organization = created.data?.createOrganization;
    if (!organization) {
      setErrors(toFormErrors(created.error, ['name']));
      return;
    }
    setName('');
    const switched = await switchTo(organization.id);
    if (!switched.ok) {
      const { messages } = toFormErrors(switched.error);
      setErrors({
        fields: {},
        messages: [`“${organization.name}” was created, but switching to it failed.`, ...messages],
      });
      onCreatedWithoutSwitch();
    }
  };

  return (
    <form className="form form-inline" onSubmit={onSubmit} aria-label="Create organization">
      <ErrorBanner messages={errors.messages} />
      <div className="form-row">
        <TextField
          label="New organization"
          name="organizationName"
          placeholder="Acme AI"
          autoComplete="organization"
          required
          value={name}
          onChange={(value) => {
            setName(value);
            if (errors.fields.name) setErrors({ ...errors, fields: {} });
          }}
          error={errors.fields.name}
        />
        <button type="submit" className="button button-primary" disabled={busy || name.trim() === ''}>
          {busy ? 'Creating…' : 'Create organization'}
        </button>
      </div>
    </form>
  );
}
