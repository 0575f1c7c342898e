// Public API of this package; filled in by the package issue.
export {};
