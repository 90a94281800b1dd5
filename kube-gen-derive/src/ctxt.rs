//! The error context: every stage records errors here, each on its own span, and they are all
//! reported together at the end (as serde_derive's `Ctxt`).

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// Collects errors; [`Ctxt::check`] must be called before it is dropped.
#[derive(Debug, Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records `msg` spanned on the tokens of `obj`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&self, obj: T, msg: M) {
        self.syn_error(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// Records `msg` at `span`.
    pub(crate) fn error_at<M: Display>(&self, span: proc_macro2::Span, msg: M) {
        self.syn_error(syn::Error::new(span, msg));
    }

    /// Records an error from syn, e.g. a parse failure.
    pub(crate) fn syn_error(&self, err: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(err);
    }

    /// Records every error darling found, each on its own span; an unknown key with no close
    /// match also says where the keys are listed (darling lists them only for short lists).
    pub(crate) fn darling(&self, err: darling::Error) {
        for err in err.flatten() {
            let span = err.explicit_span();
            let message = err.to_string();
            // `Unknown field: `x``, with neither a suggestion nor a list of keys after it.
            let unmatched =
                message.starts_with("Unknown field: `") && message.matches('`').count() == 2;
            match span {
                Some(span) if unmatched => self.error_at(
                    span,
                    format!(
                        "{message}; the keys of `#[kube(...)]` are listed in the docs of \
                         `kube_gen::CustomResource`"
                    ),
                ),
                Some(span) if message.starts_with("Duplicate field `") => self.error_at(
                    span,
                    format!("{message}: it can be set only once; remove all but one"),
                ),
                _ => self.syn_error(err.into()),
            }
        }
    }

    /// Consumes the context: `Err` with every recorded error, in order, if there was any.
    pub(crate) fn check(self) -> Result<(), Vec<syn::Error>> {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}
