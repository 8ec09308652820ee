import { NotFoundPage } from './_components/not-found-page';

export const metadata = { title: 'Not found' };

export default function NotFound() {
  return <NotFoundPage title="Page not found" message="There is nothing at this address. Check the link, or go back to your artifacts." />;
}
