/* exec: see issue 3; not implemented yet */
