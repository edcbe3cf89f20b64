import { useState } from 'react';
import type { Route } from './+types/contact';
import { useApiForm } from '../components/forms/use-api-form';
import { Button } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { Field, TextField, Textarea } from '../components/ui/input';
import { apiFetch } from '../lib/api';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'contact.title', description: 'contact.description' }, '/contact');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'contact') };
}

export default function Contact() {
  const { t, locale } = useI18n();
  const form = useApiForm();
  const [sent, setSent] = useState(false);
  const [values, setValues] = useState({ name: '', email: '', message: '', website: '' });
  const set = (key: keyof typeof values) => (event: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [key]: event.target.value }));

  return (
    <div className="mx-auto max-w-xl px-4 py-12">
      <h1 className="text-3xl font-bold">{t('contact.title')}</h1>
      <p className="mt-2 text-muted-foreground">{t('contact.intro')}</p>
      <Card className="mt-8 p-6 sm:p-8">
        {sent ? (
          <div className="grid gap-4">
            <Alert tone="success" data-testid="contact-success">
              {t('contact.success')}
            </Alert>
            <Button
              variant="outline"
              onClick={() => {
                setValues({ name: '', email: '', message: '', website: '' });
                setSent(false);
              }}
            >
              {t('contact.sendAnother')}
            </Button>
          </div>
        ) : (
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              void form
                .submit(() => apiFetch('/api/contact', { body: values, locale }))
                .then((ok) => {
                  if (ok !== undefined) setSent(true);
                });
            }}
          >
            {form.formError ? <Alert tone="error">{form.formError}</Alert> : null}
            <TextField
              id="contact-name"
              name="name"
              autoComplete="name"
              required
              label={t('contact.name')}
              error={form.fieldErrors.name}
              value={values.name}
              onValue={(name) => setValues((v) => ({ ...v, name }))}
            />
            <TextField
              id="contact-email"
              name="email"
              type="email"
              autoComplete="email"
              required
              label={t('contact.email')}
              error={form.fieldErrors.email}
              value={values.email}
              onValue={(email) => setValues((v) => ({ ...v, email }))}
            />
            <Field
              id="contact-message"
              label={t('contact.message')}
              error={form.fieldErrors.message}
              hint={t('contact.messageHint')}
            >
              {(props) => (
                <Textarea
                  {...props}
                  name="message"
                  required
                  maxLength={5000}
                  value={values.message}
                  onChange={set('message')}
                />
              )}
            </Field>
            {/* Honeypot: invisible to people and screen readers; bots fill it in. */}
            <div aria-hidden="true" className="absolute -left-[10000px] h-px w-px overflow-hidden">
              <label htmlFor="contact-website">{t('contact.honeypot')}</label>
              <input
                id="contact-website"
                name="website"
                tabIndex={-1}
                autoComplete="off"
                value={values.website}
                onChange={set('website')}
              />
            </div>
            <Button type="submit" disabled={form.busy}>
              {form.busy ? t('contact.sending') : t('contact.send')}
            </Button>
          </form>
        )}
      </Card>
    </div>
  );
}
