export const handler = async () => {
  console.log("giving up");
  process.exit(3);
};
