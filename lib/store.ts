// The runtime's count of objects it holds on the user's behalf: stream items produced but not yet taken
// with next(). A taken item is an ordinary ref owned by whoever holds it (G9, R3).
export const store = { objects: 0 };
