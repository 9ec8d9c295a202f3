/** Absolute path of the pinned Node 26 binary. */
export declare const node26: string;
