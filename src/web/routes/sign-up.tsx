import { useState } from 'react';
import { AppLink } from '../components/ui/app-link';
import { useNavigate } from 'react-router';
import type { Route } from './+types/sign-up';
import { useApiForm } from '../components/forms/use-api-form';
import { Button } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { TextField } from '../components/ui/input';
import { apiFetch } from '../lib/api';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'auth.signUp.title', description: 'auth.signUp.description' }, '/sign-up');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'auth') };
}

/** Mirrors PASSWORD_MIN_LENGTH on the server (src/server/auth/auth.ts); the server decides. */
const PASSWORD_MIN = 8;

export default function SignUp() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const navigate = useNavigate();
  const form = useApiForm();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const [before, after] = t('auth.signUp.legal', { terms: '\u0000', privacy: '\u0001' }).split('\u0000');
  const [middle, end] = (after ?? '').split('\u0001');

  return (
    <div className="mx-auto max-w-md px-4 py-12">
      <Card className="p-6 sm:p-8">
        <h1 className="text-2xl font-bold">{t('auth.signUp.heading')}</h1>
        <form
          className="mt-6 grid gap-4"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void form
              .submit(() =>
                apiFetch('/api/auth/sign-up/email', { body: { name, email, password, locale }, locale }),
              )
              .then((ok) => {
                if (ok !== undefined) void navigate(localePath('/dashboard'));
              });
          }}
        >
          {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
          <TextField
            id="name"
            name="name"
            autoComplete="name"
            required
            label={t('auth.name')}
            error={form.fieldErrors.name}
            value={name}
            onValue={setName}
          />
          <TextField
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            label={t('auth.email')}
            error={form.fieldErrors.email}
            value={email}
            onValue={setEmail}
          />
          <TextField
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={PASSWORD_MIN}
            required
            label={t('auth.password')}
            error={form.fieldErrors.password}
            hint={t('auth.passwordHint', { min: PASSWORD_MIN })}
            value={password}
            onValue={setPassword}
          />
          <Button type="submit" disabled={form.busy} className="w-full">
            {form.busy ? t('auth.working') : t('auth.signUp.submit')}
          </Button>
          <p className="text-xs text-muted-foreground">
            {before}
            <AppLink to={localePath('/terms')} className="underline underline-offset-2">
              {t('nav.terms')}
            </AppLink>
            {middle}
            <AppLink to={localePath('/privacy')} className="underline underline-offset-2">
              {t('nav.privacy')}
            </AppLink>
            {end}
          </p>
        </form>
        <p className="mt-6 text-center text-sm text-muted-foreground">
          {t('auth.signUp.haveAccount')}{' '}
          <AppLink to={localePath('/sign-in')} className="text-primary underline underline-offset-4">
            {t('auth.signUp.signInInstead')}
          </AppLink>
        </p>
      </Card>
    </div>
  );
}
