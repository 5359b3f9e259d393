package service

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"tvp/domain"
)

// An input over its limit is refused with the field and the limit (the citizen's pages tell the
// citizen the limit from it); a code of the domain's vocabularies is checked by the domain.
func TestValidationSaysTheLimitAndTheCodes(t *testing.T) {
	err := validate(&AgendaInput{Text: strings.Repeat("x", 2001)})
	assert.Equal(t, domain.EInvalid, domain.ErrorCode(err))
	assert.Equal(t, "text", domain.ErrorField(err))
	assert.Equal(t, 2000, domain.ErrorMax(err))

	err = validate(&DecisionIn{DecidedOn: "2020-06-04", Body: "the_board", Title: "x", Text: "y"})
	assert.Equal(t, "body", domain.ErrorField(err))
	assert.Contains(t, domain.ErrorMessage(err), "SSU BUL AET ØU steering_group")
	assert.NoError(t, validate(&DecisionIn{DecidedOn: "2020-06-04", Body: domain.BodyOU, Title: "x", Text: "y"}))
}
