export function ErrorBanner({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="banner banner-error" role="alert">
      {messages.length === 1 ? (
        <p>{messages[0]}</p>
      ) : (
        <ul>
          {messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function NoticeBanner({ children }: { children: string }) {
  return (
    <div className="banner banner-notice" role="status">
      <p>{children}</p>
    </div>
  );
}
