export const handler = async (event) => {
  return {;
};
