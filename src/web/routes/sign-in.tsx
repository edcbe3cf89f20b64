import { useState } from 'react';
import { AppLink } from '../components/ui/app-link';
import { useNavigate, useSearchParams } from 'react-router';
import type { Route } from './+types/sign-in';
import { useApiForm } from '../components/forms/use-api-form';
import { Button } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { TextField } from '../components/ui/input';
import { apiFetch } from '../lib/api';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'auth.signIn.title', description: 'auth.signIn.description' }, '/sign-in');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'auth') };
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}

export default function SignIn() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useApiForm();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  return (
    <div className="mx-auto max-w-md px-4 py-12">
      <Card className="p-6 sm:p-8">
        <h1 className="text-2xl font-bold">{t('auth.signIn.heading')}</h1>
        <form
          className="mt-6 grid gap-4"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void form
              .submit(() => apiFetch('/api/auth/sign-in/email', { body: { email, password }, locale }))
              .then((ok) => {
                if (ok !== undefined) void navigate(safeNext(params.get('next'), localePath('/dashboard')));
              });
          }}
        >
          {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
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
            autoComplete="current-password"
            required
            label={t('auth.password')}
            error={form.fieldErrors.password}
            value={password}
            onValue={setPassword}
          />
          <Button type="submit" disabled={form.busy} className="w-full">
            {form.busy ? t('auth.working') : t('auth.signIn.submit')}
          </Button>
        </form>
        <p className="mt-6 text-center text-sm text-muted-foreground">
          {t('auth.signIn.noAccount')}{' '}
          <AppLink to={localePath('/sign-up')} className="text-primary underline underline-offset-4">
            {t('auth.signIn.createOne')}
          </AppLink>
        </p>
      </Card>
    </div>
  );
}
