// A busy loop: virtual time stands still while a handler runs, so it never ends.
export const handler = async () => {
  for (;;) {}
};
