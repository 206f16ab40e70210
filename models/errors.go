package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// The kinds of failure callers tell apart with errors.Is. Handlers map each
// to an HTTP status in one place (handlers/errors.go); commands print them.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrInvalid is input the store refuses (a bad password, say).
	ErrInvalid = errors.New("invalid")
)

// Error is a failure with a sentence for the person who caused it, of one
// of the kinds above: errors.Is(err, ErrNotFound) holds for
// Errorf(ErrNotFound, ...).
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf makes an *Error of kind whose message a person may read.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Message is the sentence an error carries for people, or "".
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// translate maps driver errors onto our typed ones.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// wrap names the operation that failed, as "receipts: void 2026-000012: ...",
// keeping the cause for errors.Is; nil stays nil.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), translate(err))
}
